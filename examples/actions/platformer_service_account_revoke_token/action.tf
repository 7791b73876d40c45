# A root module of its own (a directory such as revoke/, with its own state), used only
# with Terraform 1.14 or later: a configuration holding an action block fails to parse
# on Terraform 1.11 to 1.13 and on OpenTofu, so the configuration that manages the token
# has none. It finds the account by name, so it needs nothing from that configuration.
terraform {
  required_version = ">= 1.14"
}

data "platformer_service_account" "ci" {
  name = "ci-deployer"
}

# When the token leaks, revoke it at once, planning nothing else (from this directory):
#   terraform apply -invoke=action.platformer_service_account_revoke_token.ci
# The next terraform apply of the managing configuration issues a fresh token to its
# platformer_service_account_token.
action "platformer_service_account_revoke_token" "ci" {
  config {
    service_account_id = data.platformer_service_account.ci.id
  }
}
