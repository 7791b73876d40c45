locals {
  # Append new names at the end: an index that shifts would replace the accounts after it.
  pipelines = ["build", "test", "deploy", "release"]
}

resource "platformer_service_account" "ci" {
  count       = length(local.pipelines)
  name        = "ci-${local.pipelines[count.index]}"
  description = "CI pipeline ${local.pipelines[count.index]}"
  permissions = ["organization.viewer"]
}

# The accounts' ids, collected once.
locals {
  ci_account_ids = platformer_service_account.ci[*].id
}

# Each token reads its own entry of the list: linear in Terraform core.
resource "platformer_service_account_token" "ci" {
  count              = length(local.pipelines)
  service_account_id = local.ci_account_ids[count.index]
  expires_in         = "720h"
}
