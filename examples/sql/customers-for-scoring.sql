-- The customers to score, under the API's field names, from a warehouse table of app activity.
-- Adapt the FROM clause and the source column names on the right to your schema; keep the aliases on
-- the left: `npm run score` (and POST /predict/batch with a CSV body) read these names.
-- Then unload the result as Parquet (or CSV) and score the files:
--   BigQuery:  EXPORT DATA OPTIONS (uri = 'gs://BUCKET/unload/customers-*.parquet', format = 'PARQUET')
--              AS <this query>;
--   Snowflake: COPY INTO @STAGE/unload/ FROM (<this query>) FILE_FORMAT = (TYPE = PARQUET) HEADER = TRUE;
--   Redshift:  UNLOAD ('<this query>') TO 's3://BUCKET/unload/customers_' IAM_ROLE '...' FORMAT AS PARQUET;
--   npm run score -- --in unload/ --out scored/
SELECT
  c.customer_id                               AS customerId,
  -- Average and total: the Kaggle file's columns named these the other way round.
  c.total_book_minutes / c.books_bought       AS bookLengthAvgMinutes,
  c.total_book_minutes                        AS bookLengthTotalMinutes,
  c.total_paid / c.books_bought               AS priceAvg,               -- dollars, not cents
  c.total_paid                                AS priceTotal,
  c.review_score IS NOT NULL                  AS reviewed,
  c.review_score                              AS reviewScore,            -- NULL for non-reviewers
  c.minutes_listened / c.total_book_minutes   AS completion,             -- 0 to 1
  c.minutes_listened                          AS minutesListened,
  c.support_requests                          AS supportRequests,
  c.days_from_first_purchase_to_last_visit    AS lastVisitDaysAfterPurchase
FROM customer_activity_last_two_years AS c
WHERE c.books_bought > 0;
