"""The verbs that change a project (up, down and the lifecycle steps, and --dry-run's account
of them), written against the driver protocol (composer/drivers/protocol.py); none knows
which driver it has, and no verb imports another."""
