"""Business operations on the plugin's data; views and commands call these, never the ORM directly."""
