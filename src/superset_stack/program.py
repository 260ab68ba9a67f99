"""The Pulumi program itself: settings -> SupersetStack -> stack outputs.

`__main__.py` calls `main()` under `pulumi up`; the offline recorder calls the same function under
mocks, so what is tested is what is deployed.
"""

from __future__ import annotations

import pulumi

from superset_stack.aws.stack import SupersetStack
from superset_stack.settings import Settings


def main() -> SupersetStack:
    settings = Settings.load()
    stack = SupersetStack("superset", settings)
    for key, value in stack_outputs(settings, stack).items():
        pulumi.export(key, value)
    return stack


def stack_outputs(settings: Settings, stack: SupersetStack) -> dict[str, object]:
    """Stack outputs: names, endpoints and ARNs only, never a secret value."""
    return {
        "url": stack.load_balancer.url,
        "albDnsName": stack.load_balancer.dns_name,
        "clusterName": stack.services.cluster_name,
        "webServiceName": stack.services.web_service_name,
        "workerServiceName": stack.services.worker_service_name,
        "beatServiceName": stack.services.beat_service_name,
        "migrationTaskDefinitionArn": stack.services.migration_task_definition_arn,
        "imageRef": stack.image.image_ref,
        "dashboardName": stack.observability.dashboard_name,
        "alarmTopicArn": stack.observability.topic_arn,
        "backupVaultName": stack.backup.vault_name,
        "environment": settings.environment,
        "region": settings.region,
        "vpcId": stack.network.vpc_id,
        "privateSubnetIds": stack.network.private_subnet_ids,
        "publicSubnetIds": stack.network.public_subnet_ids,
        "albSecurityGroupId": stack.security_groups.alb_security_group_id,
        "appSecurityGroupId": stack.security_groups.app_security_group_id,
        "kmsKeyArn": stack.secrets.kms_key_arn,
        "secretKeySecretArn": stack.secrets.secret_key_arn,
        "adminPasswordSecretArn": stack.secrets.admin_password_arn,
        "redisAuthTokenSecretArn": stack.secrets.redis_auth_token_arn,
        "databaseAddress": stack.database.address,
        "databasePort": stack.database.port,
        "databaseName": stack.database.database_name,
        "databaseMasterUserSecretArn": stack.database.master_user_secret_arn,
        "cachePrimaryEndpoint": stack.cache.primary_endpoint_address,
        "cachePort": stack.cache.port,
        "bucketName": stack.storage.bucket_name,
        "resultsPrefix": stack.storage.results_prefix,
    }
