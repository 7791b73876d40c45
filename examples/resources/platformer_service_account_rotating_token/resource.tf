# Two accounts with the same permissions take turns: one is active, the other holds
# the previous token, which keeps working for one more rotation period.
resource "platformer_service_account" "ci_blue" {
  name        = "ci-blue"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account" "ci_green" {
  name        = "ci-green"
  permissions = ["organization.viewer"]
}

# Bump to rotate now: terraform apply -var rotate_now=2
variable "rotate_now" {
  type    = number
  default = 1
}

resource "platformer_service_account_rotating_token" "ci" {
  service_account_ids = [
    platformer_service_account.ci_blue.id,
    platformer_service_account.ci_green.id,
  ]
  rotate_every     = "30d" # a plan rotates once the active token is 30 days old
  expires_in       = "90d" # at least twice rotate_every
  rotation_trigger = var.rotate_now
}

output "ci_token" {
  value     = platformer_service_account_rotating_token.ci.token
  sensitive = true
}
