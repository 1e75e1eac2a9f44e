"""The desk: the state of the app and the actions on it, without Textual (see ../shared/DESIGN.md, "The desk")."""
