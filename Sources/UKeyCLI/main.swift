print("ukey")
