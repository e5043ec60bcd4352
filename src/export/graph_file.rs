//! GraphML and GEXF writers for the relationship graph (Gephi, Cytoscape).
