-- Argo CD resource action "suspend": sets spec.suspend, which the KubeRay operator reads
-- on RayClusters (deletes the Pods), RayJobs (deletes the RayCluster and the submitter)
-- and RayCronJobs (stops scheduling).
obj.spec.suspend = true
return obj
