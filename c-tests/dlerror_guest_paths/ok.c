int ok_data = 1;
