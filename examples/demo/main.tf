# The demo that `make demo` applies against the local Console emulator.
# It uses only the platformer provider and Terraform built-ins, so it runs offline.

terraform {
  required_providers {
    platformer = {
      source = "platformercloud/platformer"
    }
  }
}

# api_url, token and organization_id come from PLATFORMER_API_URL, PLATFORMER_TOKEN
# and PLATFORMER_ORGANIZATION_ID.
provider "platformer" {}

variable "rotation" {
  description = "Change this value to renew the service account's token."
  type        = string
  default     = "1"
}

data "platformer_organization" "acme" {
  name = "acme"
}

data "platformer_project" "shop" {
  name = "shop"
}

resource "platformer_service_account" "deployer" {
  name        = "ci-deployer"
  description = "Deploys the shop from CI"
  permissions = ["organization.viewer"]
  project_permissions = {
    (data.platformer_project.shop.id) = ["rudder.app.admin", "rudder.env.viewer"]
  }
}

resource "platformer_service_account_token" "deployer" {
  service_account_id = platformer_service_account.deployer.id
  expires_in         = "720h"
  renew_before       = "168h"
  rotation_trigger   = var.rotation
}

variable "rotate_now" {
  description = "Change this value to rotate the rotating token now."
  type        = string
  default     = "1"
}

# Zero-downtime rotation: two accounts take turns; the previous token keeps working.
resource "platformer_service_account" "ci_blue" {
  name        = "ci-blue"
  description = "Deploys the shop from CI (blue)"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account" "ci_green" {
  name        = "ci-green"
  description = "Deploys the shop from CI (green)"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_rotating_token" "ci" {
  service_account_ids = [
    platformer_service_account.ci_blue.id,
    platformer_service_account.ci_green.id,
  ]
  rotate_every     = "30d"
  expires_in       = "90d"
  rotation_trigger = var.rotate_now
}

output "organization_id" {
  value = data.platformer_organization.acme.id
}

output "project_id" {
  value = data.platformer_project.shop.id
}

output "service_account_id" {
  value = platformer_service_account.deployer.id
}

output "token_id" {
  value = platformer_service_account_token.deployer.token_id
}

output "expires_at" {
  value = platformer_service_account_token.deployer.expires_at
}

output "token" {
  value     = platformer_service_account_token.deployer.token
  sensitive = true
}

output "ci_active_account" {
  value = platformer_service_account_rotating_token.ci.active_service_account_id
}

output "ci_token" {
  value     = platformer_service_account_rotating_token.ci.token
  sensitive = true
}
