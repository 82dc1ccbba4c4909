"""Exchange standards: CNIG Sites Économiques, the friches inventory, public constraint layers."""
