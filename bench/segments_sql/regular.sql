-- regular: the RFM tier 'regular' as the last full refresh stored it on the customer.
SELECT c.id
FROM cg_customers c
WHERE c.shop_id = %(shop_id)s AND c.rfm_tier = 'regular'
