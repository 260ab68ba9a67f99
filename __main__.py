"""Superset on AWS: the Pulumi program `pulumi up` runs for the selected stack.

Everything lives in the superset_stack package; configuration is read and validated by
superset_stack.settings before any resource is declared.
"""

from superset_stack.program import main

main()
