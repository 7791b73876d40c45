import {
  to = platformer_service_account_token.deployer
  identity = {
    service_account_id = "7d3f6a2e-1c4b-4f5a-9e8d-2b6c0a9f1e37"
  }
}
