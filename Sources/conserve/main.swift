print("conserve")
