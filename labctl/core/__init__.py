"""The lab's machinery; the commands in labctl/commands are thin wrappers over it."""
