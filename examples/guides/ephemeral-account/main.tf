terraform {
  required_version = ">= 1.10" # ephemeral resources
  required_providers {
    platformer = {
      source = "platformercloud/platformer"
    }
  }
}

# The default provider configuration (api_url, token and organization_id from
# PLATFORMER_API_URL, PLATFORMER_TOKEN and PLATFORMER_ORGANIZATION_ID: an administrator
# of the organization) creates a temporary project-level account for this run only.
data "platformer_project" "shop" {
  name = "shop"
}

ephemeral "platformer_service_account" "deployer" {
  name_prefix = "tf-run-"
  project_id  = data.platformer_project.shop.id
  permissions = ["project.operator.iam"] # manage the shop project's service accounts
  expires_in  = "1h"
}

# A second configuration of the provider that works with the temporary account's
# token, and so with exactly its rights (api_url and organization_id still come from
# the environment). The token is never written to the plan or
# to state; the account is deleted when the run ends.
provider "platformer" {
  alias = "shop_deployer"
  token = ephemeral.platformer_service_account.deployer.token
}

resource "platformer_service_account" "shop_bot" {
  provider    = platformer.shop_deployer
  name        = "shop-bot"
  project_id  = data.platformer_project.shop.id
  permissions = ["rudder.app.viewer"]
}
