"""Running the bot for an operator: start-up checks, heartbeat, logs, backup and health."""
