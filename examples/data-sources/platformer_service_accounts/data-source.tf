resource "platformer_service_account" "ci_build" {
  name        = "ci-build"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account" "ci_deploy" {
  name        = "ci-deploy"
  permissions = ["organization.viewer"]
}

# Every account of the organization whose name starts with "ci-".
data "platformer_service_accounts" "ci" {
  name_prefix = "ci-"
  depends_on  = [platformer_service_account.ci_build, platformer_service_account.ci_deploy]
}

# Accounts whose token expires within 7 days, for an audit.
locals {
  expiring = [
    for sa in data.platformer_service_accounts.ci.service_accounts : sa.name
    if sa.token_expires_at != null && timecmp(sa.token_expires_at, timeadd(plantimestamp(), "168h")) < 0
  ]
}

output "ci_accounts" {
  value = [for sa in data.platformer_service_accounts.ci.service_accounts : sa.name]
}

output "expiring_soon" {
  value = local.expiring
}
