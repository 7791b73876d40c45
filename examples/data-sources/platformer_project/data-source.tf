data "platformer_project" "shop" {
  name = "shop"
}

output "shop_project_id" {
  value = data.platformer_project.shop.id
}
