# After: the same token, moved into a rotating token over blue and a second account,
# green, created by the same apply. The apply renews nothing: blue's token, which
# consumers hold, stays the active token; green takes the next rotation.
resource "platformer_service_account" "deployer_blue" {
  name        = "deployer-blue"
  description = "Deploys the shop from CI (blue)"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account" "deployer_green" {
  name        = "deployer-green"
  description = "Deploys the shop from CI (green)"
  permissions = ["organization.viewer"]
}

moved {
  from = platformer_service_account_token.deployer
  to   = platformer_service_account_rotating_token.deployer
}

resource "platformer_service_account_rotating_token" "deployer" {
  # The moved token's account first; the second account takes the next rotation.
  service_account_ids = [
    platformer_service_account.deployer_blue.id,
    platformer_service_account.deployer_green.id,
  ]
  rotate_every = "30d"
  expires_in   = "90d"
}
