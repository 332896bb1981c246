"""Software licences and how fully they are used."""
