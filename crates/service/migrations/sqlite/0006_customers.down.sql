DROP TABLE usage;
DROP TABLE customers;
