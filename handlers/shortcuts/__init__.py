"""Listeners for the message and global shortcuts."""
