# The configuration that manages the token: no action block, so it plans and applies
# on every CLI the provider supports (Terraform 1.11 and later, OpenTofu). The action
# that revokes the token lives in a directory of its own (revoke/ in the guide).
resource "platformer_service_account" "ci" {
  name        = "ci-deployer"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "ci" {
  service_account_id = platformer_service_account.ci.id
  expires_in         = "30d"

  # Bump to renew the token (the revoke path without actions): the old token stops
  # working at the apply.
  rotation_trigger = 1
}
