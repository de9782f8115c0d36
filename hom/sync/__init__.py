"""What the sync engine and the server build on: the ownership rule (``ownership``), the entity
sync schemas by name (``entities``), the change log writer (``changelog``) and the store's
change-log identity (``identity``: installation, epoch, restores and copies)."""
