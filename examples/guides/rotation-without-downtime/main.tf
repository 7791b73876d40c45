# Zero-downtime rotation: two accounts with the same permissions take turns.
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

resource "platformer_service_account_rotating_token" "deployer" {
  service_account_ids = [
    platformer_service_account.deployer_blue.id,
    platformer_service_account.deployer_green.id,
  ]
  rotate_every = "30d"
  expires_in   = "90d"
}

# The consumer takes the token in the same apply that rotates it. Here a built-in
# stand-in; in practice a CI secret, a vault entry, a Kubernetes secret.
resource "terraform_data" "ci_secret" {
  input = {
    account = platformer_service_account_rotating_token.deployer.active_service_account_id
    token   = platformer_service_account_rotating_token.deployer.token
  }
}

output "next_rotation_at" {
  value = platformer_service_account_rotating_token.deployer.next_rotation_at
}
