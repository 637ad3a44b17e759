-- The product database is POSTGRES_DB (alumusic); Airflow's metadata lives apart.
CREATE DATABASE airflow;
