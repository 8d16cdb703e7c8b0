"""The screens of the Story AI terminal app."""
