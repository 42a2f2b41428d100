"""The one kind of error the command line reports as a single line with exit code 2."""


class UserError(Exception):
    """A mistake the user can fix (a setting, a ref, a file); its message is one line."""
