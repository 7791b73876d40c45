resource "platformer_service_account" "deployer" {
  name        = "ci-deployer"
  permissions = ["organization.viewer"]
}

# Bump to rotate the token on demand: terraform apply -var token_version=2
variable "token_version" {
  type    = number
  default = 1
}

resource "platformer_service_account_token" "deployer" {
  service_account_id = platformer_service_account.deployer.id

  # Each token lives 30 days, and is renewed by the first apply in its last 7.
  expires_in   = "720h"
  renew_before = "168h"

  # A new value renews the token in place; adding or removing the argument does not.
  rotation_trigger = var.token_version
}

output "deployer_token" {
  value     = platformer_service_account_token.deployer.token
  sensitive = true
}
