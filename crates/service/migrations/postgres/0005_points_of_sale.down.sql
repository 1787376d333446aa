DROP TABLE points_of_sale;
