terraform {
  required_providers {
    platformer = {
      source = "platformercloud/platformer"
    }
    time = {
      source = "hashicorp/time"
    }
  }
}

resource "platformer_service_account" "deployer" {
  name        = "ci-deployer"
  permissions = ["organization.viewer"]
}

# time_rotating gets a new id every 30 days; the token follows it.
resource "time_rotating" "monthly" {
  rotation_days = 30
}

resource "platformer_service_account_token" "deployer" {
  service_account_id = platformer_service_account.deployer.id
  expires_in         = "1080h" # 45 days: a token outlives one rotation period
  rotation_trigger   = time_rotating.monthly.id
}
