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
  for_each    = toset(["plain", "expiring", "renewed", "elsewhere", "blue", "green", "moved", "second"])
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
  service_account_id = "43b078c1-0288-4261-bc0c-559e098ab2ab"
}

resource "platformer_service_account_rotating_token" "rotating" {
  service_account_ids = [platformer_service_account.a["blue"].id, platformer_service_account.a["green"].id]
  rotate_every        = "30d"
  expires_in          = "90d"
  rotation_trigger    = { version = "2" }
}

resource "platformer_service_account_rotating_token" "previous_elsewhere" {
  service_account_ids = ["b709fbea-1090-46b0-ae8f-0679d877c8df", "8ac2bc7f-c591-49cf-b27d-1208589befae"]
  rotate_every        = "30d"
}

resource "platformer_service_account_rotating_token" "imported" {
  service_account_ids = ["000e768a-21bc-4749-b3b3-d9a2a43590ba", "65433d51-688d-44c6-ad55-6cef1562ba39"]
  rotate_every        = "720h"
}

moved {
  from = platformer_service_account_token.to_move
  to   = platformer_service_account_rotating_token.moved
}

resource "platformer_service_account_rotating_token" "moved" {
  service_account_ids = [platformer_service_account.a["moved"].id, platformer_service_account.a["second"].id]
  rotate_every        = "30d"
  expires_in          = "90d"
}
