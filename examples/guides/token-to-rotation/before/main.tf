# Before: a plain token. Renewing it kills the token its consumers hold.
resource "platformer_service_account" "deployer_blue" {
  name        = "deployer-blue"
  description = "Deploys the shop from CI (blue)"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "deployer" {
  service_account_id = platformer_service_account.deployer_blue.id
  expires_in         = "90d"
}
