data "platformer_project" "shop" {
  name = "shop"
}

# An organization-level account: it views the organization, and deploys the shop.
resource "platformer_service_account" "deployer" {
  name        = "ci-deployer"
  description = "Deploys from CI"
  permissions = ["organization.viewer"]

  project_permissions = {
    (data.platformer_project.shop.id) = ["rudder.app.admin", "rudder.env.viewer"]
  }
}

# A project-level account: it lives in the shop project and holds codes there only.
resource "platformer_service_account" "shop_reader" {
  name        = "shop-reader"
  project_id  = data.platformer_project.shop.id
  permissions = ["rudder.app.viewer", "project.operator.view"]
}
