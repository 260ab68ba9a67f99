"""Day-2 operations on a deployed stack, with boto3: the DR drill, snapshots, SECRET_KEY rotation
and the audit by tag. The `superset-stack` commands of the same names run them; each writes a
Markdown and a JSON report.
"""
