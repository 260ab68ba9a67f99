"""The bootstrap project (bootstrap/Pulumi.yaml), run once per AWS account: the Pulumi state bucket,
the secrets-provider key, and the CI identities (GitHub, optionally GitLab) with their roles."""
