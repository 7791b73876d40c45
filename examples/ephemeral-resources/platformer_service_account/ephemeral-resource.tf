# A service account that exists for this run only: created when Terraform opens it
# (during plan and again during apply), deleted when the run ends. Its token never
# reaches the plan or the state.
data "platformer_project" "shop" {
  name = "shop"
}

ephemeral "platformer_service_account" "deploy" {
  name_prefix = "tf-run-"
  project_id  = data.platformer_project.shop.id
  permissions = ["rudder.app.admin", "rudder.env.viewer"]
  expires_in  = "1h"
}

# Use the token where Terraform accepts ephemeral values: a provider configuration,
# a provisioner, a write-only argument.
provider "platformer" {
  alias = "shop_deployer"
  token = ephemeral.platformer_service_account.deploy.token
}
