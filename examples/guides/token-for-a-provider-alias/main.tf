terraform {
  required_providers {
    platformer = {
      source = "platformercloud/platformer"
    }
  }
}

# The default provider configuration (PLATFORMER_API_URL, PLATFORMER_TOKEN and
# PLATFORMER_ORGANIZATION_ID: an administrator of the organization) keeps a rotating
# token for two operator accounts of the shop project.
data "platformer_project" "shop" {
  name = "shop"
}

resource "platformer_service_account" "operator_blue" {
  name        = "shop-operator-blue"
  project_id  = data.platformer_project.shop.id
  permissions = ["project.operator.admin"]
}

resource "platformer_service_account" "operator_green" {
  name        = "shop-operator-green"
  project_id  = data.platformer_project.shop.id
  permissions = ["project.operator.admin"]
}

resource "platformer_service_account_rotating_token" "operator" {
  service_account_ids = [
    platformer_service_account.operator_blue.id,
    platformer_service_account.operator_green.id,
  ]
  rotate_every = "30d"
  expires_in   = "90d"
}

# A second configuration of the provider acts with the operator's token, and so with
# exactly its rights. In every run that creates or rotates the token, its new value is
# known only after apply.
provider "platformer" {
  alias = "shop_operator"
  token = platformer_service_account_rotating_token.operator.token
}

# A data source read through it needs depends_on on the token resource: Terraform then
# reads it during apply, after the renewal, in the runs that create or rotate the token
# (and at plan time in the others). Without it those runs fail at plan, so a scheduled
# apply would never rotate the token.
data "platformer_service_accounts" "operators" {
  provider    = platformer.shop_operator
  project_id  = data.platformer_project.shop.id
  name_prefix = "shop-operator-"
  depends_on  = [platformer_service_account_rotating_token.operator]
}

# A resource managed through it needs nothing more. Take its arguments from values
# known at plan time (here the default configuration's data source): in the runs that
# rotate, the aliased data source's values are known only after apply, and an unknown
# project_id would replace the account.
resource "platformer_service_account" "shop_bot" {
  provider    = platformer.shop_operator
  name        = "shop-bot"
  project_id  = data.platformer_project.shop.id
  permissions = ["rudder.app.viewer"]
}

output "operators_seen_by_the_token" {
  value = [for sa in data.platformer_service_accounts.operators.service_accounts : sa.name]
}
