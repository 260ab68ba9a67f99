"""Bootstrap, once per AWS account: the Pulumi state bucket, the secrets-provider key and the CI
roles. Everything lives in superset_stack.bootstrap; see README "Bootstrap and delivery"."""

from superset_stack.bootstrap.program import main

main()
