package handlers

import (
	"github.com/gin-gonic/gin"

	"marsad/survey"
)

// routes is the one table of every URL, method and middleware.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(s.requestID, s.logRequests, s.recoverPanic, s.securityHeaders, s.limitBody)
	r.NoRoute(s.notFound)
	r.NoMethod(s.methodNotAllowed)

	r.GET("/healthz", s.health)
	r.GET("/static/*filepath", s.serveStatic)
	r.GET("/", s.chooseLanguage)

	for _, l := range Languages {
		g := r.Group("/"+l, s.withLang(l), s.loadSession, s.checkForm)
		g.GET("/setup", s.showSetup)
		g.POST("/setup", s.completeSetup)

		open := g.Group("", s.requireSetup)
		open.GET("/", s.showHome)
		open.GET("/login", s.showLogin)
		open.POST("/login", s.login)
		open.POST("/logout", s.logout)
		open.GET("/invite/:token", s.showInvitation)
		open.POST("/invite/:token", s.acceptInvitation)
		open.GET("/catalog", s.showCatalog)
		open.GET("/catalog/:id", s.showCatalogService)

		editors := open.Group("", s.requireRole(survey.RoleAdmin, survey.RoleRespondent))
		editors.GET("/services", s.myServices)
		editors.GET("/institutions/:code/services", s.listServices)
		editors.GET("/institutions/:code/services/new", s.newService)
		editors.POST("/institutions/:code/services", s.createService)
		editors.GET("/services/:id/edit", s.editService)
		editors.POST("/services/:id", s.updateService)
		editors.POST("/services/:id/retire", s.retireService)
		editors.GET("/rounds/:id/responses/:code", s.showResponse)
		editors.POST("/rounds/:id/responses/:code", s.saveResponseSection)
		editors.POST("/rounds/:id/responses/:code/submit", s.submitResponse)
		editors.POST("/rounds/:id/responses/:code/prefill", s.prefillResponse)

		signedIn := open.Group("", s.requireUser)
		signedIn.GET("/rounds", s.listRounds)

		admin := open.Group("/admin", s.requireRole(survey.RoleAdmin))
		admin.GET("/institutions", s.listInstitutions)
		admin.GET("/institutions/new", s.newInstitution)
		admin.POST("/institutions", s.createInstitution)
		admin.GET("/institutions/import", s.showImportInstitutions)
		admin.POST("/institutions/import", s.importInstitutions)
		admin.GET("/institutions/export.csv", s.exportInstitutions)
		admin.GET("/institutions/:code/edit", s.editInstitution)
		admin.POST("/institutions/:code", s.updateInstitution)
		admin.POST("/institutions/:code/active", s.setInstitutionActive)
		admin.GET("/invitations", s.listInvitations)
		admin.POST("/invitations", s.createInvitation)
		admin.POST("/invitations/:id/revoke", s.revokeInvitation)
		admin.GET("/users", s.listUsers)
		admin.GET("/services", s.showCatalogAdmin)
		admin.GET("/services/export.csv", s.exportServices)
		admin.GET("/services/export.xlsx", s.exportServices)
		admin.POST("/services/import", s.importServices)
		admin.POST("/rounds", s.createRound)
		admin.POST("/rounds/:id", s.roundAction)
		admin.GET("/rounds/:id", s.showRoundBoard)
		admin.GET("/rounds/:id/responses/:code", s.showReview)
		admin.POST("/rounds/:id/responses/:code", s.saveReview)
		admin.POST("/rounds/:id/answers", s.importAnswers)
		admin.GET("/audit", s.showAudit)
		admin.GET("/audit.csv", s.exportAudit)
		admin.GET("/questionnaires", s.listQuestionnaires)
		admin.POST("/questionnaires", s.uploadQuestionnaire)
		admin.GET("/questionnaires/:id", s.downloadQuestionnaire)
	}

	api := r.Group("/api/v1", s.loadSession, s.requireSetup, s.checkAPIWrite)
	api.POST("/auth/login", s.apiLogin)
	api.POST("/auth/logout", s.apiLogout)
	api.GET("/catalog", s.apiCatalog)
	api.GET("/catalog.csv", s.apiCatalogCSV)
	signedIn := api.Group("", s.requireUser)
	signedIn.GET("/me", s.apiMe)
	signedIn.GET("/institutions", s.apiListInstitutions)
	signedIn.GET("/institutions/:code", s.apiGetInstitution)
	signedIn.GET("/institutions/:code/services", s.apiListServices)
	signedIn.GET("/services/:id", s.apiGetService)
	apiEditors := signedIn.Group("", s.requireRole(survey.RoleAdmin, survey.RoleRespondent))
	apiEditors.POST("/institutions/:code/services", s.apiCreateService)
	apiEditors.PUT("/services/:id", s.apiUpdateService)
	apiEditors.DELETE("/services/:id", s.apiDeleteService)
	signedIn.GET("/rounds", s.apiListRounds)
	apiEditors.GET("/rounds/:id/responses/:code", s.apiGetResponse)
	apiEditors.PUT("/rounds/:id/responses/:code/answers/:item", s.apiSaveAnswer)
	apiEditors.POST("/rounds/:id/responses/:code/:action", s.apiResponseAction)
	apiAdmin := signedIn.Group("", s.requireRole(survey.RoleAdmin))
	apiAdmin.POST("/institutions", s.apiCreateInstitution)
	apiAdmin.PUT("/institutions/:code", s.apiUpdateInstitution)
	apiAdmin.DELETE("/institutions/:code", s.apiDeleteInstitution)
	apiAdmin.POST("/rounds", s.apiCreateRound)
	apiAdmin.POST("/rounds/:id/:action", s.apiRoundAction)
	apiAdmin.POST("/rounds/:id/answers/import", s.apiImportAnswers)
	apiAdmin.GET("/questionnaires", s.apiListQuestionnaires)
	apiAdmin.POST("/questionnaires", s.apiCreateQuestionnaire)
	return r
}
