# The configuration of the golden states of 0.1.0 (golden_states_test.go);
# the test prepends the provider block. Written by `make golden-states`: do not edit.

data "platformer_project" "shop" {
  name = "shop"
}

resource "platformer_service_account" "org" {
  name        = "golden-org"
  description = "Organization level"
  permissions = ["organization.viewer"]
  project_permissions = {
    (data.platformer_project.shop.id) = ["rudder.app.admin", "rudder.env.viewer"]
  }
}

resource "platformer_service_account" "project" {
  name            = "golden-project"
  project_id      = data.platformer_project.shop.id
  permissions     = ["rudder.app.viewer", "project.operator.view"]
  custom_role_ids = ["a1c3e000-0000-4000-8000-0000000000c1"]
}

resource "platformer_service_account" "imported" {
  name        = "golden-imported"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account" "a" {
  for_each    = toset(["plain", "expiring", "renewed", "elsewhere", "blue", "green"])
  name        = "golden-${each.key}"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "plain" {
  service_account_id = platformer_service_account.a["plain"].id
}

resource "platformer_service_account_token" "expiring" {
  service_account_id = platformer_service_account.a["expiring"].id
  expires_in         = "90d"
  renew_before       = "7d"
}

resource "platformer_service_account_token" "renewed" {
  service_account_id = platformer_service_account.a["renewed"].id
  expires_in         = "30d"
  rotation_trigger   = "2"
}

resource "platformer_service_account_token" "elsewhere" {
  service_account_id = platformer_service_account.a["elsewhere"].id
}

resource "platformer_service_account_token" "imported" {
  service_account_id = "be8dcdcf-7b18-4007-84bb-e560c0ba0270"
}

resource "platformer_service_account_rotating_token" "rotating" {
  service_account_ids = [platformer_service_account.a["blue"].id, platformer_service_account.a["green"].id]
  rotate_every        = "30d"
  expires_in          = "90d"
  rotation_trigger    = { version = "2" }
}

resource "platformer_service_account_rotating_token" "previous_elsewhere" {
  service_account_ids = ["28f56440-e9bd-42ab-b191-ac54b468eab4", "2bfa1767-c122-43f4-b4c6-c9c60b8354b7"]
  rotate_every        = "30d"
}

resource "platformer_service_account_rotating_token" "imported" {
  service_account_ids = ["8ebe82a0-d306-42af-b972-275ae7d2b3a6", "61afedf2-7209-4898-a0cf-ad828210b328"]
  rotate_every        = "720h"
}
