-- Every officer's home page counts the self-applications waiting in its region
-- (待办: 待审核的入驻申请, `store::orgs::awaiting_approval`). With 100,000
-- organisations nearly all approved, the planner walked the region's whole
-- range of organisations through the region index and read each row to check
-- its approval (4,260 rows for Yunnan, 9 ms of every home page). This index
-- holds only the organisations waiting for a decision.
CREATE INDEX organizations_awaiting ON organizations (region_code) WHERE approval <> 'approved';
