resource "platformer_service_account" "ci" {
  name        = "ci-deployer"
  permissions = ["organization.viewer"]
}

resource "platformer_service_account_token" "ci" {
  service_account_id = platformer_service_account.ci.id
  expires_in         = "30d"
}

# When the token leaks, revoke it at once, planning nothing else:
#   terraform apply -invoke=action.platformer_service_account_revoke_token.ci
# The next terraform apply issues a fresh token to platformer_service_account_token.ci.
action "platformer_service_account_revoke_token" "ci" {
  config {
    service_account_id = platformer_service_account.ci.id
  }
}
