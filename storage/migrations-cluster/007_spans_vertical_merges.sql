-- Cluster variant of 007: the merge settings belong to the local tables.
ALTER TABLE egress_spans_local ON CLUSTER '{cluster}' MODIFY SETTING
    vertical_merge_algorithm_min_rows_to_activate = 1,
    vertical_merge_algorithm_min_columns_to_activate = 1;
