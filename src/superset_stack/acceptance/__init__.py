"""The live acceptance test's steps, importable so the delivery pipeline can run them too.

tests/live brings up a throw-away dev stack with the Automation API and checks it end to end:
`checks` waits for /health over https and asks AWS for an alarm's state and the migration task's
exit; `teardown` empties what `pulumi destroy` cannot delete and removes what a destroy leaves
behind; `run` puts them in order and destroys the stack also when a step fails. The AWS-calling
steps are unit-tested against moto's server mode, the orchestration against a fake stack.
"""
