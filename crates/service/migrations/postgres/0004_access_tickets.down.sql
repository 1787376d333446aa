DROP TABLE access_tickets;
