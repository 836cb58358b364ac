"""A module of the local layer folder opt."""
VALUE = 1
