import {
  to = platformer_service_account.deployer
  identity = {
    organization_id = "a1c3e000-0000-4000-8000-000000000001"
    id              = "7d3f6a2e-1c4b-4f5a-9e8d-2b6c0a9f1e37"
  }
}
