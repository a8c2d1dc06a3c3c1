"""The program's own package, named like the repository's source folder on purpose."""
